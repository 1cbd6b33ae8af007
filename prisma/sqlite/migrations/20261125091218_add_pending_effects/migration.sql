-- CreateTable
CREATE TABLE "PendingEffect" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "upgradeId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "body" TEXT,
    "status" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "claimedUntil" DATETIME NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    CONSTRAINT "PendingEffect_upgradeId_fkey" FOREIGN KEY ("upgradeId") REFERENCES "Upgrade" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "PendingEffect_claimedUntil_idx" ON "PendingEffect"("claimedUntil");

-- CreateIndex
CREATE INDEX "PendingEffect_upgradeId_idx" ON "PendingEffect"("upgradeId");
