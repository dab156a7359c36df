"""monitor: diagnose"""
