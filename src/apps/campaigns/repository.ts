import type {
  CampaignContactRepository,
  ConfigRepository,
  DncRepository,
  Page,
  Store,
} from '../../store/types.ts';
import type { Campaign, Contact } from './events.ts';

/** What a campaign keeps besides its settings: the figures its stats and its pacing are made of. */
export interface CampaignCounters {
  dialled: number;
  answered: number;
  abandoned: number;
  connected: number;
  /** Dials that ended or were answered: the answer rate's denominator. */
  settled: number;
  talkMsByAgent: Record<string, number>;
  /** Sum of ms from dial to answer over `answered`. */
  timeToAnswerMs: number;
  /** Sum of ms agents spent on connected calls (talk and wrap-up) over the calls that ended. */
  handleMs: number;
  handled: number;
  dialRatio: number;
}

/** A campaign as stored: its view and its counters. */
export interface StoredCampaign extends Campaign {
  readonly counters: CampaignCounters;
}

/** The campaign app's tables, typed as what this app writes there (and only it does). */
export interface CampaignRepository {
  readonly campaigns: ConfigRepository<StoredCampaign>;
  readonly contacts: Pick<CampaignContactRepository, 'lastRow' | 'countByStatus'> & {
    add(contacts: readonly Contact[]): Promise<Contact[]>;
    save(contact: Contact): Promise<void>;
    get(id: string): Promise<Contact | undefined>;
    page(
      campaignId: string,
      filter: { readonly status?: readonly string[]; readonly cursor?: string; readonly limit: number },
    ): Promise<Page<Contact>>;
    withStatus(campaignId: string, status: string, limit: number): Promise<Contact[]>;
  };
  readonly dnc: DncRepository;
}

export function campaignRepository(
  store: Pick<Store, 'campaigns' | 'campaignContacts' | 'dnc'>,
): CampaignRepository {
  return {
    campaigns: store.campaigns as ConfigRepository<StoredCampaign>,
    contacts: store.campaignContacts as unknown as CampaignRepository['contacts'],
    dnc: store.dnc,
  };
}
