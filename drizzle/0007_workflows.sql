CREATE TABLE "workflow_execution_nodes" (
	"execution_id" uuid NOT NULL,
	"node" text NOT NULL,
	"run_index" integer NOT NULL,
	"status" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"execution_ms" bigint NOT NULL,
	"items" integer NOT NULL,
	"input" jsonb,
	"output" jsonb,
	"error" jsonb,
	"truncated" boolean DEFAULT false NOT NULL,
	CONSTRAINT "workflow_execution_nodes_pk" PRIMARY KEY("execution_id","node","run_index")
);
--> statement-breakpoint
CREATE TABLE "workflow_executions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"workflow_id" uuid NOT NULL,
	"workflow_version" integer NOT NULL,
	"status" text NOT NULL,
	"mode" text NOT NULL,
	"start_node" text,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"error" jsonb,
	"last_node" text,
	"state" jsonb,
	"wait_until" timestamp with time zone,
	"owner" text,
	"lease_until" timestamp with time zone,
	"input" jsonb,
	CONSTRAINT "workflow_executions_status_check" CHECK ("workflow_executions"."status" in ('new', 'running', 'waiting', 'succeeded', 'failed', 'crashed', 'cancelled')),
	CONSTRAINT "workflow_executions_mode_check" CHECK ("workflow_executions"."mode" in ('manual', 'webhook', 'schedule', 'error', 'subworkflow'))
);
--> statement-breakpoint
CREATE TABLE "workflow_versions" (
	"workflow_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"org_id" uuid NOT NULL,
	"definition" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "workflow_versions_pk" PRIMARY KEY("workflow_id","version")
);
--> statement-breakpoint
CREATE TABLE "workflow_webhooks" (
	"method" text NOT NULL,
	"path" text NOT NULL,
	"workflow_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"node" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workflows" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"active" boolean DEFAULT false NOT NULL,
	"nodes" jsonb NOT NULL,
	"connections" jsonb NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"pin_data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"static_data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"extra" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"unsupported" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"source_id" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "workflow_execution_nodes" ADD CONSTRAINT "workflow_execution_nodes_execution_id_workflow_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."workflow_executions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_executions" ADD CONSTRAINT "workflow_executions_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD CONSTRAINT "workflow_versions_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_webhooks" ADD CONSTRAINT "workflow_webhooks_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "workflow_executions_list_idx" ON "workflow_executions" USING btree ("org_id","started_at");--> statement-breakpoint
CREATE INDEX "workflow_executions_workflow_idx" ON "workflow_executions" USING btree ("workflow_id","started_at");--> statement-breakpoint
CREATE INDEX "workflow_executions_running_idx" ON "workflow_executions" USING btree ("lease_until") WHERE "workflow_executions"."status" in ('new', 'running');--> statement-breakpoint
CREATE UNIQUE INDEX "workflow_webhooks_method_path_idx" ON "workflow_webhooks" USING btree ("method","path");--> statement-breakpoint
CREATE INDEX "workflows_org_idx" ON "workflows" USING btree ("org_id","name");--> statement-breakpoint
CREATE INDEX "workflows_active_idx" ON "workflows" USING btree ("active") WHERE "workflows"."active";