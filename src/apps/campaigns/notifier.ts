import type { NewDomainEvent } from '../../core/events.ts';
import type {
  Campaign,
  CampaignEventDataMap,
  CampaignState,
  CampaignStats,
  Contact,
  ImportReport,
} from './events.ts';

type ContactEvent =
  | 'campaign.contact.dialled'
  | 'campaign.contact.answered'
  | 'campaign.contact.abandoned'
  | 'campaign.contact.finished';

/** The one place the campaign dialer publishes its events. */
export class CampaignNotifier {
  constructor(private readonly publish: (event: NewDomainEvent) => Promise<unknown>) {}

  created(campaign: Campaign): Promise<unknown> {
    return this.send('campaign.created', { campaign });
  }

  updated(campaign: Campaign): Promise<unknown> {
    return this.send('campaign.updated', { campaign });
  }

  state(campaign: Campaign, previous: CampaignState): Promise<unknown> {
    return this.send('campaign.state', { campaign, previous });
  }

  imported(campaignId: string, report: ImportReport): Promise<unknown> {
    return this.send('campaign.contacts.imported', { campaignId, report });
  }

  /** A contact's attempt moved on: dialled, answered, abandoned or finished. */
  contact(type: ContactEvent, contact: Contact, callId?: string): Promise<unknown> {
    return this.send(type, { campaignId: contact.campaignId, contact }, callId);
  }

  connected(contact: Contact, agentId: string, callId: string): Promise<unknown> {
    return this.publish({
      type: 'campaign.contact.connected',
      callId,
      agentId,
      data: { campaignId: contact.campaignId, contact, agentId },
    });
  }

  stats(campaignId: string, stats: CampaignStats): Promise<unknown> {
    return this.send('campaign.stats', { campaignId, stats });
  }

  private send<K extends keyof CampaignEventDataMap>(
    type: K,
    data: CampaignEventDataMap[K],
    callId?: string,
  ): Promise<unknown> {
    return this.publish({ type, ...(callId !== undefined && { callId }), data } as NewDomainEvent);
  }
}
