import { attendedTransferScenarios } from './support/attended-transfer-scenarios.ts';
import { engineScenarios } from './support/engine-scenarios.ts';
import { partyScenarios } from './support/party-scenarios.ts';
import { twilioHarness } from './support/twilio-harness.ts';

engineScenarios('twilio (fake Twilio)', twilioHarness, { lacks: ['reconnect'] });
attendedTransferScenarios('twilio (fake Twilio)', twilioHarness);
partyScenarios('twilio (fake Twilio)', twilioHarness);
