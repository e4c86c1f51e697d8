"""The guide's terminal app (Textual): home, new session, live session, review, programs.

The only package that imports Textual; everything below it reaches the UI through plain
callbacks that the screens turn into messages.
"""
