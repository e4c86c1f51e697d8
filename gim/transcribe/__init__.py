"""Transcription: Whisper engines, model resolution, VAD, recall, hallucination filters.

Nothing here imports gim.audio; the passes (`gim.passes`) connect the two.
"""
