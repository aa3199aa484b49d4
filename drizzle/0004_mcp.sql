CREATE TABLE "mcp_servers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"transport" text NOT NULL,
	"command" text,
	"args" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"env" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"url" text,
	"headers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "mcp_servers_transport_check" CHECK (("mcp_servers"."transport" = 'stdio' and "mcp_servers"."command" is not null and "mcp_servers"."url" is null) or ("mcp_servers"."transport" = 'http' and "mcp_servers"."url" is not null and "mcp_servers"."command" is null))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "mcp_servers_org_name_idx" ON "mcp_servers" USING btree ("org_id","name");