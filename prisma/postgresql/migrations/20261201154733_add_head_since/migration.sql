-- AlterTable
ALTER TABLE "Upgrade" ADD COLUMN     "headSince" TIMESTAMP(3);
