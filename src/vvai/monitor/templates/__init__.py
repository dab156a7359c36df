"""monitor: templates"""
