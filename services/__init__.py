"""The four TechBridge services. Each owns its database and talks to the others only through events."""
