import { engineScenarios } from './support/engine-scenarios.ts';
import { twilioHarness } from './support/twilio-harness.ts';

engineScenarios('twilio (fake Twilio)', twilioHarness, { lacks: ['reconnect'] });
