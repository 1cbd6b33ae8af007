-- AlterTable
ALTER TABLE "RepositoryState" ADD COLUMN "frozenAt" DATETIME;
ALTER TABLE "RepositoryState" ADD COLUMN "frozenBy" TEXT;
ALTER TABLE "RepositoryState" ADD COLUMN "frozenReason" TEXT;

-- AlterTable
ALTER TABLE "Upgrade" ADD COLUMN "proposedBy" TEXT;
ALTER TABLE "Upgrade" ADD COLUMN "weakened" TEXT;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_UpgradeEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "upgradeId" INTEGER,
    "repository" TEXT NOT NULL,
    "pullNumber" INTEGER,
    "type" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "via" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "deliveryId" TEXT,
    "details" TEXT NOT NULL DEFAULT '{}',
    CONSTRAINT "UpgradeEvent_upgradeId_fkey" FOREIGN KEY ("upgradeId") REFERENCES "Upgrade" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_UpgradeEvent" ("actor", "at", "deliveryId", "details", "id", "pullNumber", "repository", "type", "upgradeId", "via") SELECT "actor", "at", "deliveryId", "details", "id", "pullNumber", "repository", "type", "upgradeId", "via" FROM "UpgradeEvent";
DROP TABLE "UpgradeEvent";
ALTER TABLE "new_UpgradeEvent" RENAME TO "UpgradeEvent";
CREATE INDEX "UpgradeEvent_upgradeId_id_idx" ON "UpgradeEvent"("upgradeId", "id");
CREATE INDEX "UpgradeEvent_repository_id_idx" ON "UpgradeEvent"("repository", "id");
CREATE INDEX "UpgradeEvent_type_id_idx" ON "UpgradeEvent"("type", "id");
CREATE INDEX "UpgradeEvent_actor_id_idx" ON "UpgradeEvent"("actor", "id");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "Upgrade_repository_proposedBy_idx" ON "Upgrade"("repository", "proposedBy");
