CREATE TABLE "ledger_accounts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"entity_id" uuid NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"currency" text NOT NULL,
	"parent_account_id" uuid,
	"debits_must_not_exceed_credits" boolean DEFAULT false NOT NULL,
	"credits_must_not_exceed_debits" boolean DEFAULT false NOT NULL,
	"closed_at" timestamp with time zone,
	"debits_pending" bigint DEFAULT 0 NOT NULL,
	"credits_pending" bigint DEFAULT 0 NOT NULL,
	"debits_posted" bigint DEFAULT 0 NOT NULL,
	"credits_posted" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ledger_accounts_org_id_key" UNIQUE("org_id","id"),
	CONSTRAINT "ledger_accounts_type_check" CHECK ("ledger_accounts"."type" in ('asset', 'liability', 'equity', 'revenue', 'expense')),
	CONSTRAINT "ledger_accounts_currency_check" CHECK ("ledger_accounts"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "ledger_accounts_flags_check" CHECK (not ("ledger_accounts"."debits_must_not_exceed_credits" and "ledger_accounts"."credits_must_not_exceed_debits")),
	CONSTRAINT "ledger_accounts_totals_check" CHECK ("ledger_accounts"."debits_pending" >= 0 and "ledger_accounts"."credits_pending" >= 0 and "ledger_accounts"."debits_posted" >= 0 and "ledger_accounts"."credits_posted" >= 0),
	CONSTRAINT "ledger_accounts_debit_limit_check" CHECK (not "ledger_accounts"."debits_must_not_exceed_credits" or "ledger_accounts"."debits_pending" + "ledger_accounts"."debits_posted" <= "ledger_accounts"."credits_posted"),
	CONSTRAINT "ledger_accounts_credit_limit_check" CHECK (not "ledger_accounts"."credits_must_not_exceed_debits" or "ledger_accounts"."credits_pending" + "ledger_accounts"."credits_posted" <= "ledger_accounts"."debits_posted")
);
--> statement-breakpoint
CREATE TABLE "ledger_entities" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"base_currency" text NOT NULL,
	"parent_id" uuid,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ledger_entities_org_id_key" UNIQUE("org_id","id"),
	CONSTRAINT "ledger_entities_kind_check" CHECK ("ledger_entities"."kind" in ('venture', 'holding')),
	CONSTRAINT "ledger_entities_currency_check" CHECK ("ledger_entities"."base_currency" ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
CREATE TABLE "ledger_postings" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ledger_postings_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"org_id" uuid NOT NULL,
	"transfer_id" uuid NOT NULL,
	"account_id" uuid NOT NULL,
	"side" text NOT NULL,
	"amount" bigint NOT NULL,
	"pending" boolean NOT NULL,
	"debits_pending_after" bigint NOT NULL,
	"credits_pending_after" bigint NOT NULL,
	"debits_posted_after" bigint NOT NULL,
	"credits_posted_after" bigint NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ledger_postings_side_check" CHECK ("ledger_postings"."side" in ('debit', 'credit')),
	CONSTRAINT "ledger_postings_amount_check" CHECK ("ledger_postings"."amount" > 0 or ("ledger_postings"."pending" and "ledger_postings"."amount" < 0))
);
--> statement-breakpoint
CREATE TABLE "ledger_transfers" (
	"id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"debit_account_id" uuid,
	"credit_account_id" uuid,
	"amount" bigint,
	"currency" text,
	"kind" text NOT NULL,
	"pending_id" uuid,
	"timeout_seconds" integer DEFAULT 0 NOT NULL,
	"timeout_at" timestamp with time zone,
	"status" text NOT NULL,
	"result" text NOT NULL,
	"reverses_id" uuid,
	"effective_at" timestamp with time zone NOT NULL,
	"description" text,
	"metadata" jsonb,
	"batch_id" uuid NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ledger_transfers_pkey" PRIMARY KEY("org_id","id"),
	CONSTRAINT "ledger_transfers_kind_check" CHECK ("ledger_transfers"."kind" in ('single', 'pending', 'post_pending', 'void_pending')),
	CONSTRAINT "ledger_transfers_status_check" CHECK ("ledger_transfers"."status" in ('posted', 'pending', 'posted_pending', 'voided', 'expired', 'failed')),
	CONSTRAINT "ledger_transfers_amount_check" CHECK ("ledger_transfers"."amount" is null or "ledger_transfers"."amount" > 0),
	CONSTRAINT "ledger_transfers_result_check" CHECK (("ledger_transfers"."status" = 'failed') = ("ledger_transfers"."result" <> 'ok'))
);
--> statement-breakpoint
ALTER TABLE "ledger_accounts" ADD CONSTRAINT "ledger_accounts_entity_fk" FOREIGN KEY ("org_id","entity_id") REFERENCES "public"."ledger_entities"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_accounts" ADD CONSTRAINT "ledger_accounts_parent_fk" FOREIGN KEY ("org_id","parent_account_id") REFERENCES "public"."ledger_accounts"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_entities" ADD CONSTRAINT "ledger_entities_parent_fk" FOREIGN KEY ("org_id","parent_id") REFERENCES "public"."ledger_entities"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_accounts_entity_code_idx" ON "ledger_accounts" USING btree ("entity_id","code");--> statement-breakpoint
CREATE INDEX "ledger_accounts_org_entity_idx" ON "ledger_accounts" USING btree ("org_id","entity_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_entities_org_code_idx" ON "ledger_entities" USING btree ("org_id","code");--> statement-breakpoint
CREATE INDEX "ledger_postings_account_idx" ON "ledger_postings" USING btree ("org_id","account_id","id");--> statement-breakpoint
CREATE INDEX "ledger_postings_transfer_idx" ON "ledger_postings" USING btree ("org_id","transfer_id");--> statement-breakpoint
CREATE INDEX "ledger_transfers_debit_idx" ON "ledger_transfers" USING btree ("org_id","debit_account_id");--> statement-breakpoint
CREATE INDEX "ledger_transfers_credit_idx" ON "ledger_transfers" USING btree ("org_id","credit_account_id");--> statement-breakpoint
CREATE INDEX "ledger_transfers_pending_idx" ON "ledger_transfers" USING btree ("org_id","pending_id") WHERE "ledger_transfers"."pending_id" is not null;--> statement-breakpoint
CREATE INDEX "ledger_transfers_open_holds_idx" ON "ledger_transfers" USING btree ("org_id","timeout_at") WHERE "ledger_transfers"."status" = 'pending' and "ledger_transfers"."timeout_at" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_transfers_reverses_idx" ON "ledger_transfers" USING btree ("org_id","reverses_id") WHERE "ledger_transfers"."reverses_id" is not null and "ledger_transfers"."status" <> 'failed';