"""Running the network: device and precision choice, the Classifier and its Explanation."""
