import { engineScenarios } from './support/engine-scenarios.ts';
import { exotelHarness } from './support/exotel-harness.ts';

engineScenarios('exotel (fake Exotel)', exotelHarness, {
  agent: '+919812345678',
  lacks: [
    'inbound',
    'hold',
    'transfer',
    'dtmf',
    'queue',
    'playback',
    'recording',
    'reconnect',
    'hangup',
    'ringing',
  ],
});
