-- AlterTable
ALTER TABLE "Upgrade" ADD COLUMN     "queuedSha" TEXT;
