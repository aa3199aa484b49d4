CREATE TABLE "ledger_approval_policies" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"description" text,
	"entity_id" uuid,
	"currency" text,
	"threshold_amount" bigint NOT NULL,
	"threshold_currency" text NOT NULL,
	"approvals_required" integer DEFAULT 1 NOT NULL,
	"approver_role" text DEFAULT 'admin' NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"removed_at" timestamp with time zone,
	CONSTRAINT "ledger_approval_policies_threshold_check" CHECK ("ledger_approval_policies"."threshold_amount" >= 0),
	CONSTRAINT "ledger_approval_policies_currency_check" CHECK ("ledger_approval_policies"."threshold_currency" ~ '^[A-Z]{3}$' and ("ledger_approval_policies"."currency" is null or "ledger_approval_policies"."currency" = "ledger_approval_policies"."threshold_currency")),
	CONSTRAINT "ledger_approval_policies_approvals_check" CHECK ("ledger_approval_policies"."approvals_required" between 1 and 10),
	CONSTRAINT "ledger_approval_policies_role_check" CHECK ("ledger_approval_policies"."approver_role" in ('admin', 'editor'))
);
--> statement-breakpoint
CREATE TABLE "ledger_transfer_approvals" (
	"org_id" uuid NOT NULL,
	"request_id" uuid NOT NULL,
	"approver" text NOT NULL,
	"role" text NOT NULL,
	"note" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ledger_transfer_approvals_pkey" PRIMARY KEY("org_id","request_id","approver"),
	CONSTRAINT "ledger_transfer_approvals_role_check" CHECK ("ledger_transfer_approvals"."role" in ('admin', 'editor'))
);
--> statement-breakpoint
CREATE TABLE "ledger_transfer_requests" (
	"id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"status" text NOT NULL,
	"entity_id" uuid NOT NULL,
	"debit_account_id" uuid NOT NULL,
	"credit_account_id" uuid NOT NULL,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"transfer" jsonb NOT NULL,
	"policies" jsonb NOT NULL,
	"requested_by" text NOT NULL,
	"requested_for" text NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone,
	"rejected_by" text,
	"rejection_reason" text,
	"posted_transfer_id" uuid,
	"last_failure" jsonb,
	CONSTRAINT "ledger_transfer_requests_pkey" PRIMARY KEY("org_id","id"),
	CONSTRAINT "ledger_transfer_requests_status_check" CHECK ("ledger_transfer_requests"."status" in ('awaiting_approval', 'posted', 'rejected')),
	CONSTRAINT "ledger_transfer_requests_posted_check" CHECK (("ledger_transfer_requests"."status" = 'posted') = ("ledger_transfer_requests"."posted_transfer_id" is not null)),
	CONSTRAINT "ledger_transfer_requests_rejected_check" CHECK (("ledger_transfer_requests"."status" = 'rejected') = ("ledger_transfer_requests"."rejection_reason" is not null)),
	CONSTRAINT "ledger_transfer_requests_amount_check" CHECK ("ledger_transfer_requests"."amount" > 0)
);
--> statement-breakpoint
ALTER TABLE "ledger_approval_policies" ADD CONSTRAINT "ledger_approval_policies_entity_fk" FOREIGN KEY ("org_id","entity_id") REFERENCES "public"."ledger_entities"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_transfer_approvals" ADD CONSTRAINT "ledger_transfer_approvals_request_fk" FOREIGN KEY ("org_id","request_id") REFERENCES "public"."ledger_transfer_requests"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_transfer_requests" ADD CONSTRAINT "ledger_transfer_requests_entity_fk" FOREIGN KEY ("org_id","entity_id") REFERENCES "public"."ledger_entities"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ledger_approval_policies_org_idx" ON "ledger_approval_policies" USING btree ("org_id") WHERE "ledger_approval_policies"."removed_at" is null;--> statement-breakpoint
CREATE INDEX "ledger_transfer_requests_status_idx" ON "ledger_transfer_requests" USING btree ("org_id","status","requested_at","id");