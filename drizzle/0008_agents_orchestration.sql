CREATE TABLE "agents_slot_leases" (
	"agent_id" uuid NOT NULL,
	"owner" text NOT NULL,
	"held" integer NOT NULL,
	"wanted" integer DEFAULT 0 NOT NULL,
	"lease_until" timestamp with time zone NOT NULL,
	CONSTRAINT "agents_slot_leases_agent_id_owner_pk" PRIMARY KEY("agent_id","owner")
);
--> statement-breakpoint
ALTER TABLE "agents_agents" ADD COLUMN "health_state" text DEFAULT 'unknown' NOT NULL;--> statement-breakpoint
ALTER TABLE "agents_agents" ADD COLUMN "health_checked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "agents_agents" ADD COLUMN "health_detail" text;--> statement-breakpoint
ALTER TABLE "agents_tasks" ADD COLUMN "checkpoint" jsonb;--> statement-breakpoint
UPDATE "agents_agents" SET "definition" = jsonb_set("definition", '{healthCheck}', '"none"'), "health_detail" = 'healthCheck ' || ("definition"->>'healthCheck') || ' is not an http(s) URL: set to none, not probed' WHERE "definition" ? 'healthCheck' AND "definition"->>'healthCheck' <> 'none' AND "definition"->>'healthCheck' !~ '^https?://\S+$';
