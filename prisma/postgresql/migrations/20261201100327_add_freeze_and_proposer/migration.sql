-- AlterTable
ALTER TABLE "RepositoryState" ADD COLUMN     "frozenAt" TIMESTAMP(3),
ADD COLUMN     "frozenBy" TEXT,
ADD COLUMN     "frozenReason" TEXT;

-- AlterTable
ALTER TABLE "Upgrade" ADD COLUMN     "proposedBy" TEXT,
ADD COLUMN     "weakened" TEXT;

-- AlterTable
ALTER TABLE "UpgradeEvent" ALTER COLUMN "upgradeId" DROP NOT NULL,
ALTER COLUMN "pullNumber" DROP NOT NULL;

-- CreateIndex
CREATE INDEX "Upgrade_repository_proposedBy_idx" ON "Upgrade"("repository", "proposedBy");
