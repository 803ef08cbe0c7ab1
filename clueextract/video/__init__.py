"""Video stage: choose the frames worth reading (one sharp frame per distinct stable view)."""
from clueextract.video.frames import FrameSelection, SelectedFrame, SelectionStats, select_frames

__all__ = ["FrameSelection", "SelectedFrame", "SelectionStats", "select_frames"]
