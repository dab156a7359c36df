"""Model lifecycle: manifest, fetch, store, activate, evaluate, handle (consumer side)."""
