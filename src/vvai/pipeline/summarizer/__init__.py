"""scene_summarizer: turns ``<video>.analytic.json`` into ``<video>.summary.json`` with the managed model."""
