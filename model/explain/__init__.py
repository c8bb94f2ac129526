"""What a forward pass computed: capture of attention/activations/gradients and the maps made from it."""
