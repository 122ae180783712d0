//! End-to-end tests of the WatchTower control plane live in `e2e/` (one test binary):
//! each starts a real `wtd` on port 0 with a temporary data directory and drives the real
//! `wt` binary and raw HTTP against it. This library target is intentionally empty.
