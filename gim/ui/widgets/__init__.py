"""Self-contained widgets: phase bar, timeline, transcript, level meter, now playing."""
