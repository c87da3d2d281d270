"""The festival's sets as the domain sees them: typed values, the identity rule and the
changelog between two versions. Pure Python: nothing here talks to AWS."""
