"""The Live tab: a camera or a video file through the network frame by frame, with the overlays."""
