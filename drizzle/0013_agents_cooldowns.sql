CREATE TABLE "agents_cooldowns" (
	"endpoint" text PRIMARY KEY NOT NULL,
	"org_id" uuid,
	"until" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "agents_calls" ADD COLUMN "reserved_tokens" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "agents_calls" ADD COLUMN "reserved_micro" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "agents_messages_task_idx" ON "agents_messages" USING btree ("task_id");