"""What a forward pass computed and the maps made from it: capture of attention/activations/gradients
(``capture``), which block/map/head to show (``blocks``, ``maps``: one vocabulary for the window, ``label --maps``
and the Batch tab), the map functions (``introspect``), scoring a map (``faithfulness``, ``scoring``), batched
folder maps (``folder_maps``) and drawing a map over the original (``render``, ``colormaps``)."""
