-- CreateTable
CREATE TABLE "PendingEffect" (
    "id" SERIAL NOT NULL,
    "upgradeId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "body" TEXT,
    "status" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "claimedUntil" TIMESTAMP(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,

    CONSTRAINT "PendingEffect_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PendingEffect_claimedUntil_idx" ON "PendingEffect"("claimedUntil");

-- CreateIndex
CREATE INDEX "PendingEffect_upgradeId_idx" ON "PendingEffect"("upgradeId");

-- AddForeignKey
ALTER TABLE "PendingEffect" ADD CONSTRAINT "PendingEffect_upgradeId_fkey" FOREIGN KEY ("upgradeId") REFERENCES "Upgrade"("id") ON DELETE CASCADE ON UPDATE CASCADE;
