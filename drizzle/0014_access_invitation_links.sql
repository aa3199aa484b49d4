ALTER TABLE "invitations" ADD COLUMN "token_hash" text;--> statement-breakpoint
CREATE UNIQUE INDEX "invitations_token_idx" ON "invitations" USING btree ("token_hash");