-- CreateTable
CREATE TABLE "Upgrade" (
    "id" SERIAL NOT NULL,
    "installationId" INTEGER NOT NULL,
    "repository" TEXT NOT NULL,
    "repositoryPrivate" BOOLEAN NOT NULL DEFAULT true,
    "pullNumber" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "branchName" TEXT NOT NULL,
    "baseBranch" TEXT NOT NULL,
    "author" TEXT,
    "headSha" TEXT NOT NULL,
    "approvedSha" TEXT,
    "approvedBy" TEXT NOT NULL DEFAULT '[]',
    "filesChanged" TEXT NOT NULL DEFAULT '[]',
    "diffPreview" TEXT NOT NULL DEFAULT '',
    "testResults" TEXT,
    "errorMessage" TEXT,
    "nonApprovers" TEXT NOT NULL DEFAULT '[]',
    "additions" INTEGER NOT NULL DEFAULT 0,
    "deletions" INTEGER NOT NULL DEFAULT 0,
    "guarded" BOOLEAN NOT NULL DEFAULT false,
    "urgent" BOOLEAN NOT NULL DEFAULT false,
    "bypassed" BOOLEAN NOT NULL DEFAULT false,
    "mergeClaimSha" TEXT,
    "mergeClaimedAt" TIMESTAMP(3),
    "previousSha" TEXT,
    "mergeCommitSha" TEXT,
    "rollbackSha" TEXT,
    "revertPullNumber" INTEGER,
    "checkRunId" TEXT,
    "proposedAt" TIMESTAMP(3) NOT NULL,
    "approvedAt" TIMESTAMP(3),
    "rejectedAt" TIMESTAMP(3),
    "appliedAt" TIMESTAMP(3),
    "expiredAt" TIMESTAMP(3),
    "failedAt" TIMESTAMP(3),
    "rolledBackAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "Upgrade_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Approval" (
    "id" SERIAL NOT NULL,
    "upgradeId" INTEGER NOT NULL,
    "login" TEXT NOT NULL,
    "sha" TEXT NOT NULL,
    "via" TEXT NOT NULL,
    "permission" TEXT,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Approval_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UpgradeEvent" (
    "id" SERIAL NOT NULL,
    "upgradeId" INTEGER NOT NULL,
    "repository" TEXT NOT NULL,
    "pullNumber" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "via" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "deliveryId" TEXT,
    "details" TEXT NOT NULL DEFAULT '{}',

    CONSTRAINT "UpgradeEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Delivery" (
    "id" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "installationId" INTEGER,
    "payload" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL,
    "claimedUntil" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "processedAt" TIMESTAMP(3),
    "error" TEXT,

    CONSTRAINT "Delivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RepositoryState" (
    "repository" TEXT NOT NULL,
    "installationId" INTEGER NOT NULL,
    "lastReconciledAt" TIMESTAMP(3),

    CONSTRAINT "RepositoryState_pkey" PRIMARY KEY ("repository")
);

-- CreateTable
CREATE TABLE "InstallationState" (
    "installationId" INTEGER NOT NULL,
    "pausedUntil" TIMESTAMP(3),

    CONSTRAINT "InstallationState_pkey" PRIMARY KEY ("installationId")
);

-- CreateIndex
CREATE INDEX "Upgrade_status_proposedAt_idx" ON "Upgrade"("status", "proposedAt");

-- CreateIndex
CREATE INDEX "Upgrade_proposedAt_idx" ON "Upgrade"("proposedAt");

-- CreateIndex
CREATE INDEX "Upgrade_repository_status_idx" ON "Upgrade"("repository", "status");

-- CreateIndex
CREATE INDEX "Upgrade_repository_headSha_idx" ON "Upgrade"("repository", "headSha");

-- CreateIndex
CREATE INDEX "Upgrade_repository_branchName_idx" ON "Upgrade"("repository", "branchName");

-- CreateIndex
CREATE INDEX "Upgrade_installationId_idx" ON "Upgrade"("installationId");

-- CreateIndex
CREATE UNIQUE INDEX "Upgrade_repository_pullNumber_key" ON "Upgrade"("repository", "pullNumber");

-- CreateIndex
CREATE INDEX "Approval_upgradeId_idx" ON "Approval"("upgradeId");

-- CreateIndex
CREATE UNIQUE INDEX "Approval_upgradeId_login_sha_key" ON "Approval"("upgradeId", "login", "sha");

-- CreateIndex
CREATE INDEX "UpgradeEvent_upgradeId_id_idx" ON "UpgradeEvent"("upgradeId", "id");

-- CreateIndex
CREATE INDEX "UpgradeEvent_repository_id_idx" ON "UpgradeEvent"("repository", "id");

-- CreateIndex
CREATE INDEX "UpgradeEvent_type_id_idx" ON "UpgradeEvent"("type", "id");

-- CreateIndex
CREATE INDEX "UpgradeEvent_actor_id_idx" ON "UpgradeEvent"("actor", "id");

-- CreateIndex
CREATE INDEX "Delivery_processedAt_receivedAt_idx" ON "Delivery"("processedAt", "receivedAt");

-- AddForeignKey
ALTER TABLE "Approval" ADD CONSTRAINT "Approval_upgradeId_fkey" FOREIGN KEY ("upgradeId") REFERENCES "Upgrade"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UpgradeEvent" ADD CONSTRAINT "UpgradeEvent_upgradeId_fkey" FOREIGN KEY ("upgradeId") REFERENCES "Upgrade"("id") ON DELETE CASCADE ON UPDATE CASCADE;
