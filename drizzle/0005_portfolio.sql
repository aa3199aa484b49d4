CREATE TABLE "portfolio_categories" (
	"org_id" uuid NOT NULL,
	"key" text NOT NULL,
	"label" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "portfolio_categories_pk" PRIMARY KEY("org_id","key")
);
--> statement-breakpoint
CREATE TABLE "portfolio_kpis" (
	"org_id" uuid NOT NULL,
	"venture_id" uuid NOT NULL,
	"metric" text NOT NULL,
	"day" date NOT NULL,
	"period" text NOT NULL,
	"value" numeric(38, 6) NOT NULL,
	"currency" text,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "portfolio_kpis_pk" PRIMARY KEY("venture_id","metric","day"),
	CONSTRAINT "portfolio_kpis_period_check" CHECK ("portfolio_kpis"."period" in ('day', 'month')),
	CONSTRAINT "portfolio_kpis_currency_check" CHECK ("portfolio_kpis"."currency" is null or "portfolio_kpis"."currency" ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
CREATE TABLE "portfolio_metrics" (
	"org_id" uuid NOT NULL,
	"key" text NOT NULL,
	"label" text NOT NULL,
	"unit" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "portfolio_metrics_pk" PRIMARY KEY("org_id","key"),
	CONSTRAINT "portfolio_metrics_unit_check" CHECK ("portfolio_metrics"."unit" in ('money', 'count', 'percent', 'ratio'))
);
--> statement-breakpoint
CREATE TABLE "portfolio_ventures" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"category" text NOT NULL,
	"stage" text NOT NULL,
	"owner_id" uuid,
	"site_url" text,
	"repository_url" text,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"ledger_entity_id" uuid,
	"demo" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"archived_at" timestamp with time zone,
	CONSTRAINT "portfolio_ventures_org_id_key" UNIQUE("org_id","id"),
	CONSTRAINT "portfolio_ventures_stage_check" CHECK ("portfolio_ventures"."stage" in ('idea', 'building', 'launched', 'growing', 'mature', 'sunset'))
);
--> statement-breakpoint
ALTER TABLE "portfolio_kpis" ADD CONSTRAINT "portfolio_kpis_venture_fk" FOREIGN KEY ("org_id","venture_id") REFERENCES "public"."portfolio_ventures"("org_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "portfolio_kpis_org_metric_day_idx" ON "portfolio_kpis" USING btree ("org_id","metric","day");--> statement-breakpoint
CREATE UNIQUE INDEX "portfolio_ventures_org_slug_idx" ON "portfolio_ventures" USING btree ("org_id","slug");--> statement-breakpoint
CREATE INDEX "portfolio_ventures_org_name_idx" ON "portfolio_ventures" USING btree ("org_id","name","id");--> statement-breakpoint
CREATE INDEX "portfolio_ventures_org_created_idx" ON "portfolio_ventures" USING btree ("org_id","created_at","id");--> statement-breakpoint
CREATE INDEX "portfolio_ventures_org_category_idx" ON "portfolio_ventures" USING btree ("org_id","category","stage");--> statement-breakpoint
CREATE INDEX "portfolio_ventures_tags_idx" ON "portfolio_ventures" USING gin ("tags");