-- AlterTable
ALTER TABLE "Upgrade" ADD COLUMN "headSince" DATETIME;
