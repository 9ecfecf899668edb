import type { AgentProfile, PhoneProvisioning } from '../../../core/agent.ts';
import type { RealtimePhones } from './realtime-phones.ts';

/**
 * Agents' phones kept in Asterisk realtime: an agent with a phone (and its password) gets the three
 * rows, a changed extension moves them, a deleted agent or a removed phone takes them away.
 */
export function realtimeAgentPhones(phones: RealtimePhones): PhoneProvisioning {
  return {
    async saved(agent: AgentProfile, previous: AgentProfile | undefined) {
      const old = previous?.phone?.extension;
      if (old && old !== agent.phone?.extension) await phones.remove(old);
      const phone = agent.phone;
      if (!phone?.password) return;
      await phones.put({
        extension: phone.extension,
        password: phone.password,
        ...(phone.codecs && { codecs: phone.codecs }),
        ...(phone.context && { context: phone.context }),
        ...(phone.transport && { transport: phone.transport }),
      });
    },
    async deleted(agent: AgentProfile) {
      if (agent.phone) await phones.remove(agent.phone.extension);
    },
  };
}
