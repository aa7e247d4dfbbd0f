"""AWS documents -> resources and fields: API responses, user data decoding, ARNs, EBS volumes."""
