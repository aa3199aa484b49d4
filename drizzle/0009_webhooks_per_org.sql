DROP INDEX "workflow_webhooks_method_path_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "workflow_webhooks_org_method_path_idx" ON "workflow_webhooks" USING btree ("org_id","method","path");