"""Media decoding stages (images now; video and audio later)."""
