"""LLM providers, prompt budget, redaction, grounding."""
