CREATE TABLE "agents_agents" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"bot_id" text NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"source" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"definition" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "agents_agents_kind_check" CHECK ("agents_agents"."kind" in ('llm', 'code', 'webhook'))
);
--> statement-breakpoint
CREATE TABLE "agents_calls" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"task_id" uuid NOT NULL,
	"agent_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"input_tokens" integer NOT NULL,
	"output_tokens" integer NOT NULL,
	"cost_micro" bigint NOT NULL,
	"currency" text NOT NULL,
	"ms" integer NOT NULL,
	"ok" boolean NOT NULL,
	"error" text,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "agents_messages" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"task_id" uuid,
	"correlation_id" text NOT NULL,
	"sender_agent" text NOT NULL,
	"recipient_agent" text NOT NULL,
	"message_type" text NOT NULL,
	"priority" text NOT NULL,
	"payload" jsonb,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "agents_task_log" (
	"task_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"org_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"text" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "agents_task_log_pk" PRIMARY KEY("task_id","seq")
);
--> statement-breakpoint
CREATE TABLE "agents_tasks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"correlation_id" text NOT NULL,
	"parent_id" uuid,
	"priority" text NOT NULL,
	"priority_rank" smallint NOT NULL,
	"capabilities" text[] DEFAULT '{}'::text[] NOT NULL,
	"requested_agent_id" uuid,
	"agent_id" uuid,
	"state" text NOT NULL,
	"reason" text,
	"error" text,
	"input" jsonb,
	"output" jsonb,
	"deadline" timestamp with time zone,
	"budget_tokens" bigint,
	"budget_amount" bigint,
	"budget_currency" text,
	"tokens_used" bigint DEFAULT 0 NOT NULL,
	"cost_micro" bigint DEFAULT 0 NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"requires_approval" boolean DEFAULT false NOT NULL,
	"approved_by" text,
	"lease_owner" text,
	"lease_until" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "agents_tasks_state_check" CHECK ("agents_tasks"."state" in ('queued', 'assigned', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out')),
	CONSTRAINT "agents_tasks_priority_check" CHECK ("agents_tasks"."priority" in ('low', 'medium', 'high', 'critical'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "agents_agents_org_bot_idx" ON "agents_agents" USING btree ("org_id","bot_id");--> statement-breakpoint
CREATE INDEX "agents_calls_org_at_idx" ON "agents_calls" USING btree ("org_id","at");--> statement-breakpoint
CREATE INDEX "agents_calls_agent_idx" ON "agents_calls" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "agents_calls_task_idx" ON "agents_calls" USING btree ("task_id");--> statement-breakpoint
CREATE INDEX "agents_messages_correlation_idx" ON "agents_messages" USING btree ("org_id","correlation_id","at");--> statement-breakpoint
CREATE INDEX "agents_tasks_org_created_idx" ON "agents_tasks" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE INDEX "agents_tasks_state_lease_idx" ON "agents_tasks" USING btree ("state","lease_until");--> statement-breakpoint
CREATE INDEX "agents_tasks_correlation_idx" ON "agents_tasks" USING btree ("org_id","correlation_id");--> statement-breakpoint
CREATE INDEX "agents_tasks_agent_state_idx" ON "agents_tasks" USING btree ("agent_id","state");