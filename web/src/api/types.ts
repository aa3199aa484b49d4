/**
 * The JSON the dashboard reads. Portfolio, agents, workflows and access shapes are the server's own zod schemas
 * (type-only imports from `src/*.dto.ts`, erased at build); the others mirror their route's
 * schema by hand because their DTO files pull server-only modules into the type graph:
 * ledger reports (`src/ledger/reports.dto.ts`), `/health` (`src/server/health.ts`),
 * `/api/v1/system/status` (`src/server/system.routes.ts`), MCP servers (`src/mcp/hub.dto.ts`).
 */
import type { z } from 'zod';
import type {
  categorySchema,
  healthSchema,
  kpiSchema,
  metricSchema,
  overviewSchema,
  seriesSchema,
  savedViewSchema,
  venturePageSchema,
  ventureSchema,
} from '../../../src/portfolio/portfolio.dto.ts';
import type {
  agentMetricsSchema,
  agentSchema,
  taskSchema,
} from '../../../src/agents/agents.dto.ts';
import type {
  executionDetailSchema,
  executionPageSchema,
  versionListSchema,
  workflowDetailSchema,
  workflowPageSchema,
} from '../../../src/workflows/workflows.dto.ts';
import type {
  addedMemberSchema,
  apiKeyCreatedSchema,
  apiKeySchema,
  invitationSchema,
  memberSchema,
  organisationSchema,
  sessionSchema,
  tokensSchema,
} from '../../../src/access/access.dto.ts';

export type Venture = z.output<typeof ventureSchema>;
export type Agent = z.output<typeof agentSchema>;
export type AgentTask = z.output<typeof taskSchema>;
export type AgentMetrics = z.output<typeof agentMetricsSchema>;
export type WorkflowPage = z.output<typeof workflowPageSchema>;
export type ExecutionPage = z.output<typeof executionPageSchema>;
export type WorkflowDetail = z.output<typeof workflowDetailSchema>;
export type ExecutionDetail = z.output<typeof executionDetailSchema>;
export type WorkflowVersions = z.output<typeof versionListSchema>;
export type VenturePage = z.output<typeof venturePageSchema>;
export type SavedView = z.output<typeof savedViewSchema>;
export type ListedVenture = VenturePage['ventures'][number];
export type Overview = z.output<typeof overviewSchema>;
export type OverviewFigure = Overview['mrr'];
export type Mover = Overview['movers']['up'][number];
export type AttentionVenture = Overview['attention']['drops'][number];
export type Category = z.output<typeof categorySchema>;
export type Metric = z.output<typeof metricSchema>;
export type Kpi = z.output<typeof kpiSchema>;
export type Series = z.output<typeof seriesSchema>;
export type VentureHealth = z.output<typeof healthSchema>;
export type Stage = Venture['stage'];
export const STAGES: readonly Stage[] = [
  'idea',
  'building',
  'launched',
  'growing',
  'mature',
  'sunset',
];

export type Member = z.output<typeof memberSchema>;
/** `POST /api/v1/users`: the new member, or (status `invited`) the invitation an account got. */
export type AddedMember = z.output<typeof addedMemberSchema>;
/** One of the signed-in person's invitations to join another organisation. */
export type Invitation = z.output<typeof invitationSchema>;
export type Organisation = z.output<typeof organisationSchema>;
export type ApiKey = z.output<typeof apiKeySchema>;
export type ApiKeyCreated = z.output<typeof apiKeyCreatedSchema>;
export type Session = z.output<typeof sessionSchema>;
export type Tokens = z.output<typeof tokensSchema>;
export type Role = Member['role'];
export const ROLES: readonly Role[] = ['admin', 'editor', 'viewer', 'bot'];

/** `GET /api/v1/auth/me` (src/access/auth.routes.ts). */
export interface Me {
  kind: 'user' | 'apikey' | 'system';
  userId: string | null;
  apiKeyId: string | null;
  /** The signed-in person; null for API keys. */
  name: string | null;
  email: string | null;
  organisation: Organisation;
  role: Role;
  mfaEnabled: boolean;
  mfaEnrolmentRequired: boolean;
  memberships: { orgId: string; slug: string; name: string; role: string }[];
}

export interface MfaEnrolment {
  secret: string;
  otpauthUrl: string;
  qrSvg: string;
}

// --- ledger (src/ledger/ledger.dto.ts, reports.dto.ts) --------------------------------------
export interface Entity {
  id: string;
  code: string;
  name: string;
  kind: 'venture' | 'holding';
  baseCurrency: string;
  parentId: string | null;
  closedThrough: string | null;
  createdAt: string;
}

export type AccountType = 'asset' | 'liability' | 'equity' | 'revenue' | 'expense';
export type ReportKind = 'balance-sheet' | 'profit-and-loss' | 'cash-flow' | 'trial-balance';

interface ReportEntity {
  id: string;
  code: string;
  name: string;
  baseCurrency: string;
  parentId: string | null;
}
/** The statements as the dashboard asks for them: `detail=summary`, the figures only. */
interface ReportHeader {
  entity: ReportEntity;
  consolidated: boolean;
  entityCount: number;
  currency: string;
  from: string | null;
  to: string;
}
interface LineBase {
  code: string;
  name: string;
  type: AccountType;
  parentCode: string | null;
  depth: number;
}
export interface SectionLine extends LineBase {
  amount: string;
  total: string;
  eliminated: string;
}
export interface Section {
  lines: SectionLine[];
  total: string;
}
export interface BalanceSheet extends ReportHeader {
  assets: Section;
  liabilities: Section;
  equity: Section & { accounts: string; unclosedEarnings: string; translationDifferences: string };
  liabilitiesAndEquity: string;
}
export interface ProfitAndLoss extends ReportHeader {
  revenue: Section;
  expenses: Section;
  netIncome: string;
}
interface CashFlowSection {
  lines: {
    code: string;
    name: string;
    type: AccountType;
    inflows: string;
    outflows: string;
    net: string;
  }[];
  inflows: string;
  outflows: string;
  net: string;
}
export interface CashFlow extends ReportHeader {
  openingCash: string;
  operating: CashFlowSection;
  investing: CashFlowSection;
  financing: CashFlowSection;
  exchangeRateEffect: string;
  eliminationDifferences: string;
  netChange: string;
  closingCash: string;
  cashAccounts: { code: string; name: string; opening: string; closing: string }[];
}
export interface TrialBalanceFigures {
  opening: string;
  debits: string;
  credits: string;
  translation: string;
  closing: string;
}
export interface TrialBalance extends ReportHeader {
  lines: (TrialBalanceFigures & LineBase & { eliminated: string })[];
  translationDifferences: TrialBalanceFigures;
  totals: TrialBalanceFigures;
}

/** Calendar periods of the statements shown side by side. */
export type PeriodUnit = 'month' | 'quarter' | 'year';
/** A statement without the header fields a comparative answer gives once. */
export type StatementBody<S extends ReportHeader> = Omit<
  S,
  'entity' | 'consolidated' | 'entityCount' | 'currency'
>;
/** `GET /api/v1/ledger/reports/<kind>/periods`: the statement per period, oldest first. */
export interface Comparative<S extends ReportHeader> {
  entity: ReportEntity;
  consolidated: boolean;
  entityCount: number;
  currency: string;
  kind: ReportKind;
  period: PeriodUnit;
  from: string;
  to: string;
  periods: { from: string; to: string; partial: boolean; statement: StatementBody<S> }[];
  /** Over the whole span (profit and loss, cash flow); null for the balance sheet. */
  total: StatementBody<S> | null;
}

// --- ledger approvals (src/ledger/approvals.dto.ts) -----------------------------------------
export type ApproverRole = 'editor' | 'admin';
export interface ApprovalPolicy {
  id: string;
  description: string | null;
  entityId: string | null;
  /** Only transfers in this currency; null: every currency, converted. */
  currency: string | null;
  thresholdAmount: string;
  thresholdCurrency: string;
  approvalsRequired: number;
  approverRole: ApproverRole;
  createdBy: string;
  createdAt: string;
  removedAt: string | null;
}
export interface TransferRequest {
  id: string;
  status: 'awaiting_approval' | 'posted' | 'rejected';
  entityId: string;
  debitAccountId: string;
  creditAccountId: string;
  amount: string;
  currency: string;
  transfer: {
    id: string;
    kind: string;
    effectiveAt?: string;
    description?: string;
    /** Set when the request reverses this posted transfer. */
    reversesId?: string;
  };
  /** Transfers that post with it or not at all (an intercompany transfer's second leg). */
  linked: {
    id: string;
    entityId: string;
    debitAccountId: string;
    creditAccountId: string;
    amount: string;
    currency: string;
    description?: string;
  }[];
  policies: {
    policyId: string;
    description: string | null;
    thresholdAmount: string;
    thresholdCurrency: string;
    approvalsRequired: number;
    approverRole: ApproverRole;
    approvalsGiven: number;
  }[];
  approvals: { approver: string; role: ApproverRole; note: string | null; createdAt: string }[];
  /** `user:<id>`, `apikey:<id>` or `local` (the local administrator). */
  requestedBy: string;
  requestedFor: string;
  requestedAt: string;
  decidedAt: string | null;
  rejectedBy: string | null;
  rejectionReason: string | null;
  postedTransferId: string | null;
  lastFailure: { code: string; message: string; at: string } | null;
}
export interface TransferRequestPage {
  requests: TransferRequest[];
  next: string | null;
}

// --- system -------------------------------------------------------------------------------
export interface HealthComponent {
  status: 'up' | 'down';
  detail?: string;
  latencyMs?: number;
  [key: string]: unknown;
}
export interface Health {
  status: 'ok' | 'down';
  version: string;
  uptimeSeconds: number;
  components: Record<string, HealthComponent>;
}
export interface SystemStatus {
  version: string;
  node: string;
  profile: string;
  pid: number;
  storage: { kind: 'pglite' | 'postgres'; location: string };
  events: 'in-process' | 'postgres';
  jobs: {
    working: boolean;
    queues: { queue: string; queued: number; active: number; failed: number; deferred: number }[];
  };
  migrations: { tag: string; applied: boolean }[];
  configFile: string | null;
}
export interface McpServer {
  id: string;
  name: string;
  description: string | null;
  transport: 'stdio' | 'http';
  url: string | null;
  command: string | null;
  enabled: boolean;
  status: 'connecting' | 'healthy' | 'unhealthy' | 'disabled' | 'unknown';
  health: {
    toolCount: number;
    lastError: string | null;
    lastCheckedAt: string | null;
    failures: number;
  } | null;
}
