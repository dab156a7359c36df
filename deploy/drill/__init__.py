"""deploy/drill.sh's logic: fault drills on the real compose stack, with MTTD and MTTR."""
