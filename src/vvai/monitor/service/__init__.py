"""monitor: service"""
