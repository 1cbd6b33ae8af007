-- CreateTable
CREATE TABLE "Upgrade" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
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
    "mergeClaimedAt" DATETIME,
    "previousSha" TEXT,
    "mergeCommitSha" TEXT,
    "rollbackSha" TEXT,
    "revertPullNumber" INTEGER,
    "checkRunId" TEXT,
    "proposedAt" DATETIME NOT NULL,
    "approvedAt" DATETIME,
    "rejectedAt" DATETIME,
    "appliedAt" DATETIME,
    "expiredAt" DATETIME,
    "failedAt" DATETIME,
    "rolledBackAt" DATETIME,
    "updatedAt" DATETIME NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0
);

-- CreateTable
CREATE TABLE "Approval" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "upgradeId" INTEGER NOT NULL,
    "login" TEXT NOT NULL,
    "sha" TEXT NOT NULL,
    "via" TEXT NOT NULL,
    "permission" TEXT,
    "at" DATETIME NOT NULL,
    CONSTRAINT "Approval_upgradeId_fkey" FOREIGN KEY ("upgradeId") REFERENCES "Upgrade" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "UpgradeEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "upgradeId" INTEGER NOT NULL,
    "repository" TEXT NOT NULL,
    "pullNumber" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "via" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "deliveryId" TEXT,
    "details" TEXT NOT NULL DEFAULT '{}',
    CONSTRAINT "UpgradeEvent_upgradeId_fkey" FOREIGN KEY ("upgradeId") REFERENCES "Upgrade" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Delivery" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "event" TEXT NOT NULL,
    "installationId" INTEGER,
    "payload" TEXT NOT NULL,
    "receivedAt" DATETIME NOT NULL,
    "claimedUntil" DATETIME,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "processedAt" DATETIME,
    "error" TEXT
);

-- CreateTable
CREATE TABLE "RepositoryState" (
    "repository" TEXT NOT NULL PRIMARY KEY,
    "installationId" INTEGER NOT NULL,
    "lastReconciledAt" DATETIME
);

-- CreateTable
CREATE TABLE "InstallationState" (
    "installationId" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "pausedUntil" DATETIME
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
