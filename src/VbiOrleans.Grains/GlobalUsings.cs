global using ErrorCode = VbiOrleans.Domain.Errors.ErrorCode;
