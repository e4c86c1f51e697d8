"""One screen per module: home, new session, live session, end of session, review, programs."""
