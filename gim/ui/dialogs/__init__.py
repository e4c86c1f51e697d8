"""Modal dialogs that dismiss() their answer: text prompts, tags, search."""
