"""LLM providers behind one contract (:class:`~vvai.llm.providers.base.Provider`)."""
