"""The adopted text in public: readable without signing in."""
