"""Transcription: Whisper engines, model resolution, VAD, hallucination filters, live pass.

Nothing here imports gim.audio; the runner connects the two.
"""
