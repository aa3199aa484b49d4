CREATE TABLE "agents_connections" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"base_url" text NOT NULL,
	"secret_name" text,
	"key_digest" text,
	"models" jsonb NOT NULL,
	"description" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "agents_connections_kind_check" CHECK ("agents_connections"."kind" in ('openai-compatible', 'anthropic')),
	CONSTRAINT "agents_connections_key_check" CHECK (("agents_connections"."secret_name" is null) = ("agents_connections"."key_digest" is null))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "agents_connections_org_name_idx" ON "agents_connections" USING btree ("org_id","name");