"""Text clue extractors: each takes a piece of text (an OCR line, a transcript
segment) and a TextContext, and returns Clue records with country votes."""
