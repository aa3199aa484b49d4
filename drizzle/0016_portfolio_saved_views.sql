CREATE TABLE "portfolio_saved_views" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"query" text NOT NULL,
	"shared" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "portfolio_saved_views_org_user_name_idx" ON "portfolio_saved_views" USING btree ("org_id","user_id","name");--> statement-breakpoint
CREATE INDEX "portfolio_saved_views_org_shared_idx" ON "portfolio_saved_views" USING btree ("org_id","shared");